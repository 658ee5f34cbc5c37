import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getQuizSchema, listCoursesSchema } from './schemas';
import { createCourseService } from './service';

/** GET /courses and GET /quizzes/:quizId (public). */
const courseRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const service = createCourseService(fastify.pg);
  fastify.get('/courses', { schema: listCoursesSchema }, async () => service.list());
  fastify.get('/quizzes/:quizId', { schema: getQuizSchema }, async (request) => service.quiz(request.params.quizId));
};

export default courseRoutes;
